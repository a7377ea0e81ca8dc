# expect: OUT103
# fault: ReLU as the output activation of a classifier (catalog A9; TheDeepChecker SO 60801900)
import numpy as np
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Dense, Dropout

X = np.random.rand(2000, 30)
Y = np.random.randint(0, 2, size=2000)

model = Sequential()
model.add(Dense(64, activation="relu", input_shape=(30,)))
model.add(Dropout(0.2))
model.add(Dense(1, activation="relu"))
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(X, Y, epochs=15, batch_size=32, validation_split=0.2)
