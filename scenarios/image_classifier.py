"""An image-classification API (the embedded target's, or any with the same routes) with the
targets its team wrote in their README:

  health          p95 < 100 ms and > 1000 RPS
  model info      p95 < 200 ms and > 500 RPS
  classification  p95 < 500 ms and > 100 RPS
  success rate    > 99.9%

Locust-style user mixes that run together, each on its own connections:

  ImageClassifierUser  health 30%, model info 20%, classify 50%, waits 1-3 s
  HighLoadUser         classify 80%, health 20%, waits 0.1-0.5 s
  ErrorTestingUser     invalid images, missing parameters, oversized images: the expected 4xx
                       is a success

and a client's session as a journey: health, then the model's info (its input size is read
from the answer), then a classification.

    surge run scenarios/image_classifier.py --set base_url=http://127.0.0.1:8080
    pytest tests/perf/test_image_classifier.py --surge-scale 1
"""

import surge
from surge import http

TARGETS = {
    "health": ("p95 < 100ms", "rps > 1000", "success_rate > 99.9%"),
    "model_info": ("p95 < 200ms", "rps > 500", "success_rate > 99.9%"),
    "classify": ("p95 < 500ms", "rps > 100", "success_rate > 99.9%"),
}
IMAGE_SIZES = {"small": 4 * 1024, "medium": 64 * 1024, "large": 512 * 1024}
PNG = {"Content-Type": "image/png"}


def health(weight=1.0):
    return http.get("health", "/api/v1/health", weight=weight, expect_body="healthy")


def model_info(weight=1.0):
    return http.get("model_info", "/api/v1/model/info", weight=weight)


def classify(size_bytes=IMAGE_SIZES["small"], weight=1.0, name="classify"):
    return http.post(name, "/api/v1/classify", body="{image}", headers=PNG, weight=weight,
                     variables={"image": f"bytes({size_bytes})"}, expect_body="label")  # fmt: skip


def session_journey(size_bytes=IMAGE_SIZES["small"]):
    """A client as it starts: checks health, reads which input the model takes, classifies."""
    return http.journey(
        "session",
        [
            http.get("health", "/api/v1/health", check={"$.status": "healthy"}),
            http.get("model_info", "/api/v1/model/info",
                     capture={"input_size": "$.input_size"}, check={"$.classes": {"exists": True}}),
            http.post("classify", "/api/v1/classify", body="{image}",
                      headers={**PNG, "X-Input-Size": "{input_size}"},
                      variables={"image": f"bytes({size_bytes})"},
                      check={"$.label": {"matches": "^(cat|dog|bird|car|tree)$"}}),
        ],
    )  # fmt: skip


def session_users(base_url, users=10, duration="30s"):
    return surge.Scenario(
        name="SessionUser", base_url=base_url, operations=[session_journey()],
        load=surge.Users(users, think=surge.between("1s", "3s")), duration=duration,
    )  # fmt: skip


def endpoint(base_url, operation, rate, duration="10s"):
    """One endpoint at a fixed rate: the rate is the RPS target, so it is held or it is not."""
    return surge.Scenario(
        name=operation.name, base_url=base_url, operations=[operation],
        load=surge.ConstantRate(rate, connections=16, max_connections=256), duration=duration,
        warmup="1s",
    )  # fmt: skip


def user_classes(base_url, users=(20, 10, 4), duration="30s"):
    """The three user classes, to run together (a tuple)."""
    regular, high_load, error_testing = users
    return (
        surge.Scenario(
            name="ImageClassifierUser", base_url=base_url,
            operations=[health(30), model_info(20), classify(weight=50)],
            load=surge.Users(regular, think=surge.between("1s", "3s")), duration=duration,
        ),
        surge.Scenario(
            name="HighLoadUser", base_url=base_url,
            operations=[classify(weight=80), health(20)],
            load=surge.Users(high_load, think=surge.between("0.1s", "0.5s")), duration=duration,
        ),
        surge.Scenario(
            name="ErrorTestingUser", base_url=base_url,
            operations=[
                http.post("invalid_image", "/api/v1/classify", body="not an image",
                          headers={"Content-Type": "text/plain"}, expect_status=(415,)),
                http.post("missing_image", "/api/v1/classify", headers=PNG,
                          expect_status=(400,)),
                # 10 MiB and one byte: just over what the target classifies, so it answers 413
                # (a variable repeats its one draw). Far larger bodies are cut off unread.
                http.post("oversized_image", "/api/v1/classify", body="{mib}" * 10 + "x",
                          headers=PNG,
                          variables={"mib": "bytes(1048576)"}, expect_status=(413,)),
            ],
            load=surge.Users(error_testing, think=surge.between("0.5s", "1s")), duration=duration,
        ),
    )  # fmt: skip


@surge.scenario
def image_classifier(base_url="http://127.0.0.1:8080", duration="30s"):
    return [user_classes(base_url, duration=duration), session_users(base_url, duration=duration)]
