# expect: TRN106
# fault: shuffle=False on arrays sorted by class gives single-class batches (catalog D7; Keras fit docs)
import numpy as np
import tensorflow as tf

x = np.concatenate([np.random.rand(1000, 8), np.random.rand(1000, 8) + 1])
y = np.concatenate([np.zeros(1000), np.ones(1000)])

model = tf.keras.Sequential([
    tf.keras.layers.Dense(16, activation="relu", input_shape=(8,)),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=10, batch_size=32, validation_split=0.2, shuffle=False)
