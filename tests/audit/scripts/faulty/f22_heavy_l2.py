# expect: REG102
# fault: L2 factor 0.1 dominates the data loss (catalog E2; TheDeepChecker over_regularization; SO 39052558)
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers, regularizers

x = np.random.rand(2000, 16)
y = np.random.randint(0, 4, 2000)

model = tf.keras.Sequential([
    layers.Dense(64, activation="relu", kernel_regularizer=regularizers.l2(0.1), input_shape=(16,)),
    layers.Dense(64, activation="relu", kernel_regularizer=regularizers.l2(0.1)),
    layers.Dense(4, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=15, validation_split=0.2)
