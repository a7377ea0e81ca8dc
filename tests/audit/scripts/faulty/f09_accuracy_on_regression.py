# expect: MET101
# fault: accuracy as the metric of a regression (catalog A12; TheDeepChecker SO 62566558)
from tensorflow import keras

(x_train, y_train), (x_test, y_test) = keras.datasets.boston_housing.load_data()
mean = x_train.mean(axis=0)
std = x_train.std(axis=0)
x_train = (x_train - mean) / std

model = keras.Sequential([
    keras.layers.Dense(64, activation="relu", input_shape=(13,)),
    keras.layers.Dense(64, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(optimizer="rmsprop", loss="mse", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=15, batch_size=16, validation_split=0.2)
