# expect: ARCH104
# fault: a deep stack of sigmoid layers without normalization saturates (vanishing gradient) (catalog B4; DeepDiagnosis saturated activation)
import numpy as np
from keras.models import Sequential
from keras.layers import Dense

x = np.random.rand(4000, 20)
y = np.random.randint(0, 2, 4000)

model = Sequential()
model.add(Dense(64, activation="sigmoid", input_shape=(20,)))
for _ in range(5):
    model.add(Dense(64, activation="sigmoid"))
model.add(Dense(1, activation="sigmoid"))
model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=20, validation_split=0.2)
