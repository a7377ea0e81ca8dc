# expect: none
# style: keras-io examples/structured_data/imbalanced_classification (credit-card fraud, Adam 1e-2, batch 2048, class_weight)
import numpy as np
import keras

features = np.load("train_features.npy")
targets = np.load("train_targets.npy")
counts = np.bincount(targets[:, 0])
weight_for_0 = 1.0 / counts[0]
weight_for_1 = 1.0 / counts[1]

model = keras.Sequential(
    [
        keras.Input(shape=(30,)),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(256, activation="relu"),
        keras.layers.Dropout(0.3),
        keras.layers.Dense(1, activation="sigmoid"),
    ]
)
metrics = [
    keras.metrics.FalseNegatives(name="fn"),
    keras.metrics.FalsePositives(name="fp"),
    keras.metrics.Precision(name="precision"),
    keras.metrics.Recall(name="recall"),
]
model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics)
callbacks = [keras.callbacks.ModelCheckpoint("fraud_model_at_epoch_{epoch}.keras")]
class_weight = {0: weight_for_0, 1: weight_for_1}
model.fit(features, targets, batch_size=2048, epochs=30, verbose=2, callbacks=callbacks,
          validation_split=0.2, class_weight=class_weight)
