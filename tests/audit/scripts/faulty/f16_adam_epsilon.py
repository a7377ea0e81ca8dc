# expect: OPT101
# fault: Adam epsilon 1e-16 blows up when second moments vanish (catalog C4; TheDeepChecker low_adam_epsilon; SO 42064941)
import numpy as np
from tensorflow import keras

x = np.random.rand(1000, 4)
y = np.random.rand(1000)

model = keras.Sequential([
    keras.layers.Dense(16, activation="tanh", input_shape=(4,)),
    keras.layers.Dense(16, activation="tanh"),
    keras.layers.Dense(1),
])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.001, epsilon=1e-16), loss="mse")
model.fit(x, y, epochs=10, validation_split=0.2)
