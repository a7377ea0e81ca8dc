# expect: none
# style: TensorFlow tutorial keras/regression (auto MPG, Normalization, MAE, 100 epochs)
import numpy as np
import tensorflow as tf
from tensorflow.keras import layers

train_features = np.load("mpg_features.npy")
train_labels = np.load("mpg_labels.npy")
normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(np.array(train_features))


def build_and_compile_model(norm):
    model = tf.keras.Sequential([
        norm,
        layers.Dense(64, activation="relu"),
        layers.Dense(64, activation="relu"),
        layers.Dense(1)
    ])
    model.compile(loss="mean_absolute_error", optimizer=tf.keras.optimizers.Adam(0.001))
    return model


dnn_model = build_and_compile_model(normalizer)
history = dnn_model.fit(train_features, train_labels, validation_split=0.2, verbose=0,
                        epochs=100)
