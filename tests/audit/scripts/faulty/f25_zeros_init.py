# expect: INIT101
# fault: zero kernel initialization never breaks symmetry (catalog F1; NeuraLint f004; SO 48027263)
import numpy as np
from keras import Sequential
from keras.layers import Dense

x = np.random.rand(1000, 10)
y = np.random.randint(0, 2, 1000)

model = Sequential()
model.add(Dense(32, activation="relu", kernel_initializer="zeros", input_shape=(10,)))
model.add(Dense(32, activation="relu", kernel_initializer="zeros"))
model.add(Dense(1, activation="sigmoid"))
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=10, validation_split=0.2)
