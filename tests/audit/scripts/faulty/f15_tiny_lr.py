# expect: LR103
# fault: a learning rate of 1e-7 makes no visible progress in the epoch budget (catalog C2; TheDeepChecker low_lr; SO 59106542)
import tensorflow as tf

LR = 1e-7
(x_train, y_train), (x_val, y_val) = tf.keras.datasets.fashion_mnist.load_data()
x_train = x_train / 255.0
x_val = x_val / 255.0

model = tf.keras.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10, activation="softmax"),
])
model.compile(optimizer=tf.keras.optimizers.RMSprop(learning_rate=LR),
              loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=10, validation_data=(x_val, y_val))
