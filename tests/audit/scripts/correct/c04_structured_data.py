# expect: none
# style: keras-io examples/structured_data/structured_data_classification_from_scratch (functional, Normalization)
import keras
from keras import layers

normalizer = layers.Normalization()

inputs = keras.Input(shape=(13,))
x = normalizer(inputs)
x = layers.Dense(32, activation="relu")(x)
x = layers.Dropout(0.5)(x)
output = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs, output)
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])


def train(train_ds, val_ds):
    normalizer.adapt(train_ds.map(lambda x, y: x))
    model.fit(train_ds, epochs=50, validation_data=val_ds)
