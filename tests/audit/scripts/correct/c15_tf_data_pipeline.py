# expect: none
# style: TensorFlow datasets guide (tf.data from arrays, a map that scales, early stopping)
import tensorflow as tf

(x_train, y_train), (x_test, y_test) = tf.keras.datasets.mnist.load_data()


def normalize_img(image, label):
    return tf.cast(image, tf.float32) / 255.0, label


train = tf.data.Dataset.from_tensor_slices((x_train, y_train))
train = train.map(normalize_img).shuffle(10000).batch(128).prefetch(tf.data.AUTOTUNE)
test = tf.data.Dataset.from_tensor_slices((x_test, y_test)).map(normalize_img).batch(128)

model = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(input_shape=(28, 28)),
    tf.keras.layers.Dense(128, activation="relu"),
    tf.keras.layers.Dense(10)
])
model.compile(optimizer=tf.keras.optimizers.Adam(0.001),
              loss=tf.keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=[tf.keras.metrics.SparseCategoricalAccuracy()])
early = tf.keras.callbacks.EarlyStopping(monitor="val_loss", patience=3)
model.fit(train, epochs=200, validation_data=test, callbacks=[early])
