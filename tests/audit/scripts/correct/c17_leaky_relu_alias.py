# expect: none
# style: keras-io GAN discriminator style (from keras import layers as L, LeakyReLU layers)
import numpy as np
import keras
from keras import layers as L

x = np.random.rand(6000, 28, 28, 1).astype("float32")
y = np.random.randint(0, 2, 6000)

discriminator = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1)),
        L.Conv2D(64, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2),
        L.Conv2D(128, (3, 3), strides=(2, 2), padding="same"),
        L.LeakyReLU(negative_slope=0.2),
        L.GlobalMaxPooling2D(),
        L.Dense(1, activation="sigmoid"),
    ],
    name="discriminator",
)
discriminator.compile(optimizer=keras.optimizers.Adam(learning_rate=0.0003),
                      loss=keras.losses.BinaryCrossentropy(), metrics=["accuracy"])
discriminator.fit(x, y, batch_size=64, epochs=10, validation_split=0.1)
