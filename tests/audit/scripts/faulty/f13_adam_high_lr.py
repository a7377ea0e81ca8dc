# expect: LR101
# fault: Adam with a learning rate of 0.1 on a deep net diverges (catalog C1; UMLAUT lr_high; SO 37624102)
from tensorflow import keras
from tensorflow.keras import layers

LEARNING_RATE = 1e-1
EPOCHS = 10

(x_train, y_train), _ = keras.datasets.mnist.load_data()
x_train = x_train.reshape(60000, 784).astype("float32") / 255

model = keras.Sequential(
    [
        layers.Dense(512, activation="relu", input_shape=(784,)),
        layers.Dense(256, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ]
)
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)
model.fit(x_train, y_train, batch_size=128, epochs=EPOCHS, validation_split=0.1)
