"""The property-based suite's known failures: ``(function, kind of case): what happens today``.

The input gate for the attribution, optvis and evaluate functions (shape, dtype, finiteness,
empty batch, targets, keywords, frozen probe passes, cloned inputs) is being built on the
``arch`` branch (issue 13). Until it is merged these cases fail; they run as strict xfails
(``fuzzkit.cases``), so a case that starts passing fails the suite until its line is deleted
here. To see which: ``pytest tests/test_fuzz_*.py -rX``. Kinds of case (``fuzzkit``):

- ``valid``, ``bn_train`` (BatchNorm + Dropout in train mode: buffers byte-identical and
  the same result as its copy in eval mode; ``bn_train_default_layer``: the same with a
  method that finds its CAM layer by a probe pass), ``input_writer`` (a network that writes its
  input in place: the caller's tensor must survive), ``x_float`` (float64/16, bfloat16: cast);
- mistakes that need a ValueError/TypeError naming the argument: ``x_dtype``,
  ``x_nonfinite``, ``x_empty``, ``x_shape``, ``x_channels``, ``x_3d`` (taken as one image or
  refused), ``x_type``, ``model_type``, ``target_range``, ``target_float``, ``target_shape``,
  ``target_type``, ``target_name_bad``, ``kw_<keyword>``.
"""

KNOWN_FAILING: dict[tuple[str, str], str] = {
    ("activations", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("activations", "input_writer"): "the caller's x tensor was written",
    ("activations", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("activations", "x_dtype"):
        "RuntimeError: Input type (unsigned char) and bias type (float) should be the ...",
    ("activations", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("activations", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("activations", "x_shape"):
        "RuntimeError: Expected 3D (unbatched) or 4D (batched) input to conv2d, but go...",
    ("activations", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("activations", "x_3d"): "activation of shape (6, 6, 6) for 1 image(s) of height 6",
    ("activations", "x_type"): "AttributeError: 'numpy.ndarray' object has no attribute 'to'",
    ("activations", "kw_layers"): "TypeError not naming layers: 'int' object is not iterable",
    ("capture", "kw_layers"): "TypeError not naming layers: 'int' object is not iterable",
    ("frozen", "model_type"): "AttributeError: 'str' object has no attribute 'parameters'",
    ("get_layer", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("layer_names", "kw_kind"):
        "TypeError not naming kind: isinstance() arg 2 must be a type, a tuple of type...",
    ("maximize", "kw_objective"): "IndexError: channel 99 out of range: the layer has 8 channels",
    ("maximize", "kw_size"): "ZeroDivisionError: float division by zero",
    ("maximize", "kw_steps"): "accepted silently: steps=-1",
    ("maximize", "kw_param"):
        "ValueError not naming param: unknown parametrisation 'nope'; use 'fft', 'fft-...",
    ("maximize", "kw_seed"): "ValueError not naming seed: invalid literal for int() with base 10: 'a'",
    ("invert", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("invert", "x_dtype"): "accepted silently: image=uint8 (1, 3, 6, 6)",
    ("invert", "x_nonfinite"): "accepted silently: image=float32 (1, 3, 6, 6)",
    ("invert", "x_empty"): "IndexError: index 0 is out of bounds for dimension 0 with size 0",
    ("invert", "x_shape"): "accepted silently: image=float32 (6, 6)",
    ("invert", "x_channels"): "accepted silently: image=float32 (1, 1, 6, 6)",
    ("invert", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("invert", "kw_steps"): "accepted silently: steps=-1",
    ("deepdream", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("deepdream", "x_dtype"): "accepted silently: image=uint8 (1, 3, 6, 6)",
    ("deepdream", "x_nonfinite"): "accepted silently: image=float32 (1, 3, 6, 6)",
    ("deepdream", "x_empty"): "accepted silently: image=float32 (0, 3, 6, 6)",
    ("deepdream", "x_shape"): "accepted silently: image=float32 (6, 6)",
    ("deepdream", "x_channels"): "accepted silently: image=float32 (1, 1, 6, 6)",
    ("deepdream", "kw_layers"): "TypeError not naming layers: 'int' object is not iterable",
    ("deepdream", "kw_octaves"):
        "UnboundLocalError: cannot access local variable 'x' where it is not associate...",
    ("deepdream", "kw_octave_scale"): "accepted silently: octave_scale=0",
    ("deepdream", "kw_steps"): "accepted silently: steps=-1",
    ("deepdream", "kw_jitter"): "accepted silently: jitter=-1",
    ("Classifier.preprocess", "kw_size"): "accepted silently: size=0",
    ("Classifier.predict", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("Classifier.predict", "x_dtype"):
        "RuntimeError: Input type (unsigned char) and bias type (float) should be the ...",
    ("Classifier.predict", "x_nonfinite"): "accepted silently: image=float32 (1, 3, 6, 6)",
    ("Classifier.predict", "x_empty"): "accepted silently: image=float32 (0, 3, 6, 6)",
    ("Classifier.predict", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("Classifier.predict", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("Classifier.predict", "kw_k"): "accepted silently: k=0",
    ("Classifier.class_index", "numpy_int"): "AttributeError: 'numpy.int64' object has no attribute 'strip'",
    ("Classifier.class_index", "bad_name"): "IndexError: class index 5 out of range 0..4",
    ("wrap_model", "kw_input_size"):
        "RuntimeError: Calculated padded input size per channel: (2 x 2). Kernel size:...",
    ("wrap_model", "kw_categories"): "accepted silently: categories=['a', 'b']",
    ("deletion_auc", "input_writer"): "the caller's x tensor was written",
    ("deletion_auc", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("deletion_auc", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("deletion_auc", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("deletion_auc", "x_empty"): "ValueError not naming x: attribution has 1 maps for 0 images",
    ("deletion_auc", "x_shape"):
        "RuntimeError: Input and output sizes should be greater than 0, but got input ...",
    ("deletion_auc", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("deletion_auc", "target_range"): "IndexError: target class out of range 0..4",
    ("deletion_auc", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("deletion_auc", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("deletion_auc", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("deletion_auc", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("deletion_auc", "kw_steps"): "accepted silently: steps=2.5",
    ("deletion_auc", "kw_batch_size"): "ValueError not naming batch_size: range() arg 3 must not be zero",
    ("deletion_auc", "kw_attribution"): "TypeError not naming attribution: new(): invalid data type 'str'",
    ("deletion_auc", "kw_reduce"): "accepted silently: reduce='max'",
    ("insertion_auc", "input_writer"): "the caller's x tensor was written",
    ("insertion_auc", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("insertion_auc", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("insertion_auc", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("insertion_auc", "x_empty"): "ValueError not naming x: attribution has 1 maps for 0 images",
    ("insertion_auc", "x_shape"):
        "RuntimeError: Input and output sizes should be greater than 0, but got input ...",
    ("insertion_auc", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("insertion_auc", "target_range"): "IndexError: target class out of range 0..4",
    ("insertion_auc", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("insertion_auc", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("insertion_auc", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("insertion_auc", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("insertion_auc", "kw_steps"): "accepted silently: steps=2.5",
    ("insertion_auc", "kw_batch_size"): "ValueError not naming batch_size: range() arg 3 must not be zero",
    ("insertion_auc", "kw_attribution"): "TypeError not naming attribution: new(): invalid data type 'str'",
    ("insertion_auc", "kw_reduce"): "accepted silently: reduce='max'",
    ("insertion_auc", "kw_start"):
        "ValueError not naming start: unknown fill 'nope': use a number, 'mean', 'blur...",
    ("deletion_curve", "input_writer"): "the caller's x tensor was written",
    ("deletion_curve", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("deletion_curve", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("deletion_curve", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("deletion_curve", "x_empty"): "ValueError not naming x: attribution has 1 maps for 0 images",
    ("deletion_curve", "x_shape"):
        "RuntimeError: Input and output sizes should be greater than 0, but got input ...",
    ("deletion_curve", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("deletion_curve", "target_range"): "IndexError: target class out of range 0..4",
    ("deletion_curve", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("deletion_curve", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("deletion_curve", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("deletion_curve", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("deletion_curve", "kw_steps"): "accepted silently: steps=2.5",
    ("deletion_curve", "kw_batch_size"): "ValueError not naming batch_size: range() arg 3 must not be zero",
    ("deletion_curve", "kw_attribution"): "TypeError not naming attribution: new(): invalid data type 'str'",
    ("deletion_curve", "kw_reduce"): "accepted silently: reduce='max'",
    ("insertion_curve", "input_writer"): "the caller's x tensor was written",
    ("insertion_curve", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("insertion_curve", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("insertion_curve", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("insertion_curve", "x_empty"): "ValueError not naming x: attribution has 1 maps for 0 images",
    ("insertion_curve", "x_shape"):
        "RuntimeError: Input and output sizes should be greater than 0, but got input ...",
    ("insertion_curve", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("insertion_curve", "target_range"): "IndexError: target class out of range 0..4",
    ("insertion_curve", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("insertion_curve", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("insertion_curve", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("insertion_curve", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("insertion_curve", "kw_steps"): "accepted silently: steps=2.5",
    ("insertion_curve", "kw_batch_size"): "ValueError not naming batch_size: range() arg 3 must not be zero",
    ("insertion_curve", "kw_attribution"): "TypeError not naming attribution: new(): invalid data type 'str'",
    ("insertion_curve", "kw_reduce"): "accepted silently: reduce='max'",
    ("insertion_curve", "kw_start"):
        "ValueError not naming start: unknown fill 'nope': use a number, 'mean', 'blur...",
    ("randomization_check", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("randomization_check", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("randomization_check", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("randomization_check", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("randomization_check", "x_empty"):
        "ValueError not naming x: not enough values to unpack (expected 2, got 1)",
    ("randomization_check", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("randomization_check", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("randomization_check", "target_range"): "IndexError: target class out of range 0..4",
    ("randomization_check", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("randomization_check", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("randomization_check", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("randomization_check", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("randomization_check", "bn_train_default_layer"):
        "gradcam's probe pass (no layer=) runs on the train-mode copy: maps differ from eval mode",
    ("randomization_check", "kw_layers"): "AttributeError: TinyNet has no attribute `nope`",
    ("randomization_check", "kw_method"): "TypeError not naming method: 'str' object is not callable",
    ("evaluate_methods", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("evaluate_methods", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("evaluate_methods", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("evaluate_methods", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("evaluate_methods", "x_empty"):
        "ValueError not naming x: not enough values to unpack (expected 2, got 1)",
    ("evaluate_methods", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("evaluate_methods", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("evaluate_methods", "target_range"): "IndexError: target class out of range 0..4",
    ("evaluate_methods", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("evaluate_methods", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("evaluate_methods", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("evaluate_methods", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("evaluate_methods", "bn_train_default_layer"):
        "gradcam's probe pass (no layer=) updates the BatchNorm buffers",
    ("evaluate_methods", "kw_methods"): "TypeError not naming methods: 'int' object is not callable",
    ("evaluate_methods", "kw_steps"): "accepted silently: steps=0",
    ("pointing_game", "kw_boxes"):
        "ValueError not naming boxes: not enough values to unpack (expected 4, got 3)",
    ("pointing_game", "kw_tolerance"): "accepted silently: tolerance=-1.0",
    ("pointing_game", "kw_reduce"): "accepted silently: reduce='max'",
    ("pointing_game", "bad_attribution"): "TypeError not naming attribution: new(): invalid data type 'str'",
    ("random_map", "kw_resolution"):
        "RuntimeError: Input and output sizes should be greater than 0, but got input ...",
    ("random_map", "kw_seed"): "RuntimeError: manual_seed expected a long, but got str",
    ("random_map", "bad_x"): "ValueError not naming x: not enough values to unpack (expected 4, got 3)",
    ("trapezoid_auc", "kw_scores"): "accepted silently: scores=float32 (99,)",
    ("trapezoid_auc", "bad_fractions"): "accepted silently: fractions=float32 (99,)",
    ("regularize_occlusion", "kw_percentile"):
        "RuntimeError: quantile() q must be in the range [0, 1] but got -0.01",
    ("regularize_occlusion", "kw_blur"): "accepted silently: blur=0",
    ("regularize_occlusion", "bad_heatmap"):
        "IndexError: Dimension out of range (expected to be in range of [-1, 0], but g...",
    ("window_starts", "kw_window"): "accepted silently: window=0",
    ("window_starts", "kw_stride"): "accepted silently: stride=0",
    ("window_starts", "bad_size"): "accepted silently: size=0",
    ("occlusion_map", "bad_grid"): "AttributeError: 'str' object has no attribute 'size'",
    ("saliency", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("saliency", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("saliency", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("saliency", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("saliency", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("saliency", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("saliency", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("saliency", "target_range"): "IndexError: target class out of range 0..4",
    ("saliency", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("saliency", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("saliency", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("saliency", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("input_x_gradient", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("input_x_gradient", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("input_x_gradient", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("input_x_gradient", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("input_x_gradient", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("input_x_gradient", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("input_x_gradient", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("input_x_gradient", "target_range"): "IndexError: target class out of range 0..4",
    ("input_x_gradient", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("input_x_gradient", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("input_x_gradient", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("input_x_gradient", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("guided_backprop", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("guided_backprop", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("guided_backprop", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("guided_backprop", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("guided_backprop", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("guided_backprop", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("guided_backprop", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("guided_backprop", "target_range"): "IndexError: target class out of range 0..4",
    ("guided_backprop", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("guided_backprop", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("guided_backprop", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("guided_backprop", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("guided_backprop", "kw_channel"): "IndexError: conv1 has 6 channels (0..5)",
    ("guided_backprop", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("smoothgrad", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("smoothgrad", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("smoothgrad", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("smoothgrad", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("smoothgrad", "x_empty"):
        "RuntimeError: cannot reshape tensor of 0 elements into shape [0, -1] because ...",
    ("smoothgrad", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("smoothgrad", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("smoothgrad", "target_range"): "IndexError: target class out of range 0..4",
    ("smoothgrad", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("smoothgrad", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("smoothgrad", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("smoothgrad", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("smoothgrad", "kw_n"): "TypeError not naming n: 'float' object cannot be interpreted as an integer",
    ("smoothgrad", "kw_batch_size"): "accepted silently: batch_size=0",
    ("smoothgrad", "kw_noise"): "accepted silently: noise=-0.1",
    ("smoothgrad", "kw_seed"): "ValueError not naming seed: invalid literal for int() with base 10: 'a'",
    ("integrated_gradients", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("integrated_gradients", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("integrated_gradients", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("integrated_gradients", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("integrated_gradients", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("integrated_gradients", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("integrated_gradients", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("integrated_gradients", "target_range"): "IndexError: target class out of range 0..4",
    ("integrated_gradients", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("integrated_gradients", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("integrated_gradients", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("integrated_gradients", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("integrated_gradients", "kw_steps"): "TypeError not naming steps: deg must be an integer, received 2.5",
    ("integrated_gradients", "kw_batch_size"): "accepted silently: batch_size=0",
    ("cam", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("cam", "input_writer"): "the caller's x tensor was written",
    ("cam", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("cam", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("cam", "x_nonfinite"):
        "NoGapLinearHeadError not naming x: the output is not fc(global average of 're...",
    ("cam", "x_empty"): "RuntimeError: max(): Expected reduction dim to be specified for input.numel()...",
    ("cam", "x_shape"): "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("cam", "x_channels"): "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("cam", "target_range"): "IndexError: target class out of range 0..4",
    ("cam", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("cam", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("cam", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("cam", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("cam", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("gradcam", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("gradcam", "input_writer"): "the caller's x tensor was written",
    ("gradcam", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("gradcam", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("gradcam", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("gradcam", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("gradcam", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("gradcam", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("gradcam", "target_range"): "IndexError: target class out of range 0..4",
    ("gradcam", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("gradcam", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("gradcam", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("gradcam", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("gradcam", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("gradcam_pp", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("gradcam_pp", "input_writer"): "the caller's x tensor was written",
    ("gradcam_pp", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("gradcam_pp", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("gradcam_pp", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("gradcam_pp", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("gradcam_pp", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("gradcam_pp", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("gradcam_pp", "target_range"): "IndexError: target class out of range 0..4",
    ("gradcam_pp", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("gradcam_pp", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("gradcam_pp", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("gradcam_pp", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("gradcam_pp", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("layercam", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("layercam", "input_writer"): "the caller's x tensor was written",
    ("layercam", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("layercam", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("layercam", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("layercam", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("layercam", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("layercam", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("layercam", "target_range"): "IndexError: target class out of range 0..4",
    ("layercam", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("layercam", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("layercam", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("layercam", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("layercam", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("scorecam", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("scorecam", "input_writer"): "the caller's x tensor was written",
    ("scorecam", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("scorecam", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("scorecam", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("scorecam", "x_empty"): "IndexError: index 0 is out of bounds for dimension 0 with size 0",
    ("scorecam", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("scorecam", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("scorecam", "target_range"): "IndexError: target class out of range 0..4",
    ("scorecam", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("scorecam", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("scorecam", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("scorecam", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("scorecam", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("scorecam", "kw_batch_size"):
        "TypeError not naming batch_size: 'float' object cannot be interpreted as an i...",
    ("guided_gradcam", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("guided_gradcam", "input_writer"):
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place...",
    ("guided_gradcam", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("guided_gradcam", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("guided_gradcam", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("guided_gradcam", "x_empty"): "ValueError not naming x: not enough values to unpack (expected 2, got 1)",
    ("guided_gradcam", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("guided_gradcam", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("guided_gradcam", "target_range"): "IndexError: target class out of range 0..4",
    ("guided_gradcam", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("guided_gradcam", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("guided_gradcam", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("guided_gradcam", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("guided_gradcam", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("occlusion", "input_writer"): "the caller's x tensor was written",
    ("occlusion", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("occlusion", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("occlusion", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("occlusion", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("occlusion", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("occlusion", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("occlusion", "target_range"): "IndexError: target class out of range 0..4",
    ("occlusion", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("occlusion", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("occlusion", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("occlusion", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("occlusion", "kw_window"): "TypeError not naming window: 'float' object is not iterable",
    ("occlusion", "kw_stride"): "TypeError not naming stride: 'float' object is not iterable",
    ("occlusion", "kw_batch_size"): "accepted silently: batch_size=2.5",
    ("occlusion_grid", "input_writer"): "the caller's x tensor was written",
    ("occlusion_grid", "x_float"):
        "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("occlusion_grid", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("occlusion_grid", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("occlusion_grid", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("occlusion_grid", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("occlusion_grid", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("occlusion_grid", "target_range"): "IndexError: target class out of range 0..4",
    ("occlusion_grid", "target_float"): "TypeError not naming target: 'float' object is not iterable",
    ("occlusion_grid", "target_shape"):
        "TypeError not naming target: only 0-dimensional arrays can be converted to Py...",
    ("occlusion_grid", "target_type"): "TypeError not naming target: 'object' object is not iterable",
    ("occlusion_grid", "target_name_bad"):
        "TypeError not naming target: class name 'tabby cat' needs a Classifier (load_...",
    ("occlusion_grid", "kw_window"): "TypeError not naming window: 'float' object is not iterable",
    ("occlusion_grid", "kw_stride"): "TypeError not naming stride: 'float' object is not iterable",
    ("topk_targets", "input_writer"): "the caller's x tensor was written",
    ("topk_targets", "x_float"): "RuntimeError: Input type (double) and bias type (float) should be the same",
    ("topk_targets", "x_dtype"): "accepted silently: x=uint8 (1, 3, 6, 6)",
    ("topk_targets", "x_nonfinite"): "accepted silently: x=float32 (1, 3, 6, 6)",
    ("topk_targets", "x_empty"): "accepted silently: x=float32 (0, 3, 6, 6)",
    ("topk_targets", "x_shape"):
        "RuntimeError: Calculated padded input size per channel: (2 x 8). Kernel size:...",
    ("topk_targets", "x_channels"):
        "RuntimeError: Given groups=1, weight of size [6, 3, 3, 3], expected input[1, ...",
    ("topk_targets", "kw_k"): "accepted silently: k=0",
    ("fully_convolutional", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("fully_convolutional", "kw_layer"): "AttributeError: 'int' object has no attribute 'lower'",
    ("fully_convolutional", "kw_size"): "accepted silently: size=0",
    ("cam_layers", "bn_train"): "a probe forward pass in train mode updates the BatchNorm buffers",
    ("cam_layers", "kw_size"): "accepted silently: size=0",
    ("cam_layers", "kw_max_depth"): "accepted silently: max_depth=-1",
}
