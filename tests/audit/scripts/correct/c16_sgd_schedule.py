# expect: none
# style: Keras optimizers guide (SGD with momentum and an ExponentialDecay schedule, He init)
from tensorflow import keras
from tensorflow.keras.layers import Dense, Flatten

LEARNING_RATE = 0.1
MOMENTUM = 0.9
(x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
x_train = x_train / 255.0

lr_schedule = keras.optimizers.schedules.ExponentialDecay(LEARNING_RATE, decay_steps=10000,
                                                          decay_rate=0.9)
model = keras.models.Sequential()
model.add(Flatten(input_shape=(28, 28)))
for units in (300, 100):
    model.add(Dense(units, activation="relu", kernel_initializer="he_normal"))
model.add(Dense(10, activation="softmax"))
model.compile(loss="sparse_categorical_crossentropy",
              optimizer=keras.optimizers.SGD(learning_rate=lr_schedule, momentum=MOMENTUM),
              metrics=["accuracy"])
model.fit(x_train, y_train, epochs=30, validation_split=0.1,
          callbacks=[keras.callbacks.EarlyStopping(patience=5, restore_best_weights=True)])
