# expect: OUT101
# fault: softmax over a single output unit is constantly 1 (catalog A1; NeuraLint f017; SO 59129802)
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

x = np.random.rand(1000, 8)
y = np.random.randint(0, 2, size=(1000, 1))

model = Sequential()
model.add(Dense(16, input_dim=8, activation="relu"))
model.add(Dense(1, activation="softmax"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x, y, epochs=10, batch_size=32, validation_split=0.2)
