# expect: none
# style: TensorFlow tutorial images/transfer_learning (MobileNetV2, preprocess_input, logits)
import tensorflow as tf

IMG_SIZE = (160, 160)
train_dataset = tf.keras.utils.image_dataset_from_directory("cats_and_dogs/train", shuffle=True,
                                                            batch_size=32, image_size=IMG_SIZE)
validation_dataset = tf.keras.utils.image_dataset_from_directory("cats_and_dogs/validation",
                                                                 batch_size=32,
                                                                 image_size=IMG_SIZE)
preprocess_input = tf.keras.applications.mobilenet_v2.preprocess_input
base_model = tf.keras.applications.MobileNetV2(input_shape=IMG_SIZE + (3,), include_top=False,
                                               weights="imagenet")
base_model.trainable = False

inputs = tf.keras.Input(shape=(160, 160, 3))
x = preprocess_input(inputs)
x = base_model(x, training=False)
x = tf.keras.layers.GlobalAveragePooling2D()(x)
x = tf.keras.layers.Dropout(0.2)(x)
outputs = tf.keras.layers.Dense(1)(x)
model = tf.keras.Model(inputs, outputs)

base_learning_rate = 0.0001
model.compile(optimizer=tf.keras.optimizers.Adam(learning_rate=base_learning_rate),
              loss=tf.keras.losses.BinaryCrossentropy(from_logits=True),
              metrics=[tf.keras.metrics.BinaryAccuracy(threshold=0, name="accuracy")])
history = model.fit(train_dataset, epochs=10, validation_data=validation_dataset)
