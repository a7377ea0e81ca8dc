"""The executor: turns a recommended setup into a Keras model, or a standalone training script.

``advisor.executor.script`` only writes text and imports no Keras; ``build`` imports Keras when a
model is built and ``layers`` defines the composite layers the layer lists name.
"""
