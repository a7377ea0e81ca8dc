# expect: LR102
# fault: plain SGD with lr=1.0 on unnormalized deep nets oscillates or explodes (catalog C1; DeepFD lr)
import numpy as np
from keras.models import Sequential
from keras.layers import Dense
from keras.optimizers import SGD

data = np.random.rand(5000, 12)
target = np.random.randint(0, 2, size=5000)

model = Sequential()
model.add(Dense(32, activation="relu", input_dim=12))
model.add(Dense(32, activation="relu"))
model.add(Dense(1, activation="sigmoid"))
model.compile(loss="binary_crossentropy", optimizer=SGD(lr=1.0), metrics=["accuracy"])
model.fit(data, target, epochs=10, batch_size=32, validation_split=0.2)
