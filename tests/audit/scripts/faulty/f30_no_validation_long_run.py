# expect: TRN104
# fault: 100 epochs with no validation data: over-fitting is invisible (catalog G1; HUM missing validation set)
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

EPOCHS = 100
x = np.random.rand(800, 6)
y = np.random.rand(800)

model = Sequential([
    Dense(64, activation="relu", input_shape=(6,)),
    Dense(64, activation="relu"),
    Dense(1),
])
model.compile(optimizer="adam", loss="mse", metrics=["mae"])
model.fit(x, y, epochs=EPOCHS, batch_size=16)
