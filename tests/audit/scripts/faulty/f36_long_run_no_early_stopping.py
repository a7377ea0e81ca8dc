# expect: TRN105
# fault: a fixed 300-epoch run with validation data but no early stopping keeps the over-fitted last weights (catalog E6/G1; Keras EarlyStopping docs)
import numpy as np
from tensorflow import keras

x = np.random.rand(2000, 10)
y = np.random.rand(2000)

model = keras.Sequential([
    keras.layers.Dense(128, activation="relu", input_shape=(10,)),
    keras.layers.Dense(128, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="mse")
model.fit(x, y, epochs=300, batch_size=32, validation_split=0.2)
