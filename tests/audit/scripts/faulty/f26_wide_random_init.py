# expect: INIT102
# fault: RandomNormal(stddev=1.0) with tanh saturates wide layers (catalog F2; TheDeepChecker need_glorot; SO 40147568)
import numpy as np
from tensorflow import keras
from tensorflow.keras import initializers

x = np.random.rand(1000, 100)
y = np.random.randint(0, 2, 1000)

model = keras.Sequential([
    keras.layers.Dense(512, activation="tanh", input_shape=(100,),
                       kernel_initializer=initializers.RandomNormal(mean=0.0, stddev=1.0)),
    keras.layers.Dense(512, activation="tanh",
                       kernel_initializer=initializers.RandomNormal(stddev=1.0)),
    keras.layers.Dense(1, activation="sigmoid"),
])
model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
model.fit(x, y, epochs=10, validation_split=0.2)
