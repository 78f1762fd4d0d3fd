"""The data sets' names, apart from their samplers: the window's forms and the command line's checks
need the names before anything has loaded torch (which takes about a second)."""

PLANE_DATASETS = ("ring8", "grid25", "8gaussians", "moons", "circles", "spirals", "checkerboard", "pinwheel",
                  "swissroll", "csv")  # core.datasets2d checks its samplers against these
IMAGE_DATASETS = ("mnist", "fashion-mnist", "images", "array")
