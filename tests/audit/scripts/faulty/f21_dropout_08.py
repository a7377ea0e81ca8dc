# expect: REG101
# fault: dropout 0.8 drops most units: the network under-fits (catalog E1; UMLAUT high_dropout_rate; SO 64289118)
import numpy as np
from tensorflow.keras import Sequential
from tensorflow.keras.layers import Dense, Dropout

DROPOUT = 0.8
x = np.random.rand(3000, 20)
y = np.random.randint(0, 2, 3000)

model = Sequential()
model.add(Dense(128, activation="relu", input_shape=(20,)))
model.add(Dropout(DROPOUT))
model.add(Dense(128, activation="relu"))
model.add(Dropout(DROPOUT))
model.add(Dense(1, activation="sigmoid"))
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=20, batch_size=64, validation_split=0.2)
