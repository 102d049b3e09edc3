"""Trained models and their runtime: ONNX files run by onnxruntime, no training code.

* :mod:`.sample_type`: the sample-type classifier (made by ``make train``).
* :mod:`.basic_pitch`: Spotify's Basic Pitch note-transcription model (Apache-2.0, bundled).

This package sits below ``analysis`` (which computes the models' inputs) and imports only
``domain``, ``errors`` and ``config``. Sessions open lazily, once per process.
"""
