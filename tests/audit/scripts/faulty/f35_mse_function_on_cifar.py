# expect: LOSS101
# fault: the MSE loss function (keras.losses.mean_squared_error) for CIFAR-10 classes (catalog A2; DeepFD loss)
from tensorflow import keras
from tensorflow.keras import layers as L

NUM_CLASSES = 10
(x_train, y_train), (x_test, y_test) = keras.datasets.cifar10.load_data()
x_train = x_train.astype("float32") / 255.0
y_train = keras.utils.to_categorical(y_train, NUM_CLASSES)


def build(filters=(32, 64)):
    model = keras.Sequential()
    model.add(L.InputLayer(input_shape=(32, 32, 3)))
    for f in filters:
        model.add(L.Conv2D(f, 3, activation="relu", padding="same"))
        model.add(L.MaxPooling2D())
    model.add(L.Flatten())
    model.add(L.Dense(NUM_CLASSES, activation="softmax"))
    return model


model = build()
model.compile(optimizer="adam", loss=keras.losses.mean_squared_error, metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, validation_split=0.1)
