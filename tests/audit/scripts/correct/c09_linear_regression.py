# expect: none
# style: TensorFlow tutorial keras/regression linear baseline (a single Dense unit, Adam 0.1: correct)
import numpy as np
import tensorflow as tf

train_features = np.load("mpg_features.npy")
train_labels = np.load("mpg_labels.npy")
normalizer = tf.keras.layers.Normalization(axis=-1)
normalizer.adapt(train_features)

linear_model = tf.keras.Sequential([
    normalizer,
    tf.keras.layers.Dense(units=1)
])
linear_model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=0.1),
                     loss="mean_absolute_error")
history = linear_model.fit(train_features, train_labels, epochs=100, verbose=0,
                           validation_split=0.2)
