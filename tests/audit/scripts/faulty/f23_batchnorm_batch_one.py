# expect: TRN101
# fault: BatchNormalization trained with batch_size=1: batch statistics are degenerate (catalog E4; SO 48320854)
from keras.models import Sequential
from keras.layers import Conv2D, BatchNormalization, Activation, Flatten, Dense
from keras.datasets import mnist

BATCH_SIZE = 1
(x_train, y_train), _ = mnist.load_data()
x_train = x_train.reshape(-1, 28, 28, 1) / 255.0

model = Sequential()
model.add(Conv2D(32, (3, 3), use_bias=False, input_shape=(28, 28, 1)))
model.add(BatchNormalization())
model.add(Activation("relu"))
model.add(Flatten())
model.add(Dense(10, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=5, validation_split=0.1)
