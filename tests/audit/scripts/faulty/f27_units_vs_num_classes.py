# expect: OUT108
# fault: one output unit for ten classes stated by num_classes (catalog A6; HUM wrong output shape)
import numpy as np
import tensorflow as tf

num_classes = 10
x = np.random.rand(5000, 32)
y = tf.keras.utils.to_categorical(np.random.randint(0, num_classes, 5000), num_classes)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(64, activation="relu", input_shape=(32,)),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=10, validation_split=0.2)
