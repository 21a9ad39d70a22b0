"""Official TF Model Garden SpineNet weights in our parameters (``spinenet-nas import-tf``)."""
