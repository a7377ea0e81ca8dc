# expect: none
# style: keras-io character-level text generation (LSTM, softmax over the vocabulary)
import numpy as np
import keras
from keras import layers

maxlen = 40
chars = sorted(list(set(open("nietzsche.txt").read().lower())))
x = np.zeros((10000, maxlen, len(chars)), dtype="bool")
y = np.zeros((10000, len(chars)), dtype="bool")

model = keras.Sequential(
    [
        keras.Input(shape=(maxlen, len(chars))),
        layers.LSTM(128),
        layers.Dense(len(chars), activation="softmax"),
    ]
)
optimizer = keras.optimizers.RMSprop(learning_rate=0.01)
model.compile(loss="categorical_crossentropy", optimizer=optimizer)
for epoch in range(40):
    model.fit(x, y, batch_size=128, epochs=1)
