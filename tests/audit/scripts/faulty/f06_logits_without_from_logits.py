# expect: LOSS106
# fault: linear output (logits) while the loss expects probabilities (catalog A7; NeuraLint f008; TheDeepChecker missing_softmax; SO 53254870)
import tensorflow as tf
from tensorflow.keras import layers, models

(train_images, train_labels), _ = tf.keras.datasets.fashion_mnist.load_data()
train_images = train_images / 255.0

model = models.Sequential([
    layers.Flatten(input_shape=(28, 28)),
    layers.Dense(128, activation="relu"),
    layers.Dense(10),
])
model.compile(optimizer="adam",
              loss=tf.keras.losses.SparseCategoricalCrossentropy(),
              metrics=["accuracy"])
model.fit(train_images, train_labels, epochs=10)
