# expect: REG104
# fault: severely imbalanced fraud data (0.17% positives, see the sidecar profile) trained without class weights (catalog D6; TheDeepChecker unbalanced_data; SO 59196793)
import numpy as np
from tensorflow import keras

features = np.load("creditcard_features.npy")
labels = np.load("creditcard_labels.npy")

model = keras.Sequential([
    keras.layers.Dense(256, activation="relu", input_shape=(30,)),
    keras.layers.Dense(256, activation="relu"),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy",
              metrics=[keras.metrics.Recall(name="recall")])
model.fit(features, labels, batch_size=2048, epochs=30, validation_split=0.2)
