# expect: LOSS105
# fault: one sigmoid unit trained with categorical cross-entropy: the loss is identically 0 (catalog A5)
import tensorflow as tf

features = tf.random.normal((500, 20))
labels = tf.random.uniform((500, 1), maxval=2, dtype=tf.int32)

model = tf.keras.Sequential([
    tf.keras.layers.Dense(32, activation="relu", input_shape=(20,)),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
model.fit(features, labels, epochs=5, validation_split=0.1)
