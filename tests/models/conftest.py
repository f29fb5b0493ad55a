import pytest

from models.labels import load_aspect_data
from pipeline.paths import DATA_DIR

AIC = DATA_DIR / "labelled" / "aic2018_train.csv"
BINARY = DATA_DIR / "labelled" / "sentiment_binary_10k.csv"


@pytest.fixture(scope="session")
def aic():
    return load_aspect_data(AIC)


@pytest.fixture(scope="session")
def aic_small(tmp_path_factory, aic):
    """200 real AIC reviews with 4 aspects, as a wide file."""
    path = tmp_path_factory.mktemp("aic") / "aic_small.csv"
    import pandas as pd

    frame = pd.read_csv(AIC).head(200)
    frame[["id", "content", "service_waiters_attitude", "price_level", "dish_taste", "environment_cleaness"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def aic_unseen(tmp_path_factory):
    """300 AIC reviews of the committed held-out file (never trained on), the same 4 aspects."""
    path = tmp_path_factory.mktemp("aic_unseen") / "aic_unseen.csv"
    import pandas as pd

    frame = pd.read_csv(DATA_DIR / "labelled" / "aic2018_heldout.csv").head(300)
    frame[["id", "content", "service_waiters_attitude", "price_level", "dish_taste", "environment_cleaness"]].to_csv(path, index=False)
    return path


@pytest.fixture(scope="session")
def binary_small(tmp_path_factory):
    import pandas as pd

    path = tmp_path_factory.mktemp("bin") / "binary_small.csv"
    pd.read_csv(BINARY).head(600).to_csv(path, index=False)
    return path
