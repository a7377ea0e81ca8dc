# expect: ARCH101
# fault: stacked Dense layers without any non-linearity collapse to one linear map (catalog B1; NeuraLint f009; SO 46181692)
import numpy as np
import keras

x = np.random.rand(1000, 10)
y = np.random.randint(0, 3, size=1000)

model = keras.Sequential()
model.add(keras.layers.Dense(64, input_shape=(10,)))
model.add(keras.layers.Dense(64))
model.add(keras.layers.Dense(3, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x, y, epochs=10, validation_split=0.2)
