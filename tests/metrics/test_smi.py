"""nvidia-smi's CSV, as real drivers print it, becomes GPU records."""

from __future__ import annotations

import pytest

from warroom.metrics.smi import COMMAND, SmiError, parse_smi_csv

# Two GPUs as a 550-series driver prints them; the second cannot report its power draw.
TWO_GPUS = (
    "0, GPU-3f1f5a8e-2b7c-4d0e-9c55-0123456789ab, NVIDIA A100-SXM4-80GB, 87, 61234, 81920, "
    "64, 312.45\n"
    "1, GPU-9a0b1c2d-3e4f-5061-7283-94a5b6c7d8e9, NVIDIA A100-SXM4-80GB, 0, 4, 81920, 31, "
    "[N/A]\n"
)


def test_the_command_asks_for_the_fields_without_header_or_units() -> None:
    assert COMMAND == (
        "nvidia-smi --query-gpu=index,uuid,name,utilization.gpu,memory.used,memory.total,"
        "temperature.gpu,power.draw --format=csv,noheader,nounits"
    )


def test_two_gpus_parse_with_n_a_as_none() -> None:
    first, second = parse_smi_csv(TWO_GPUS, "gpu-box-1")
    assert first.node == "gpu-box-1" and first.index == 0
    assert first.uuid == "GPU-3f1f5a8e-2b7c-4d0e-9c55-0123456789ab"
    assert first.model == "NVIDIA A100-SXM4-80GB"
    assert (first.util, first.memory_used, first.memory_total) == (87, 61234, 81920)
    assert (first.temp, first.power, first.xid) == (64, 312.45, None)
    assert second.index == 1 and second.power is None and second.util == 0


def test_not_supported_and_other_bracketed_values_are_none() -> None:
    text = (
        "0, GPU-aa, NVIDIA GeForce GTX 1080, [Not Supported], 512, 8192, 40, [Not Supported]\n"
        "1, GPU-bb, Tesla T4, [Unknown Error], [N/A], 15360, [GPU is lost], 27.10\n"
    )
    gtx, t4 = parse_smi_csv(text, "box")
    assert gtx.util is None and gtx.power is None and gtx.memory_used == 512
    assert t4.util is None and t4.memory_used is None and t4.temp is None and t4.power == 27.1
    assert t4.memory_percent is None


def test_units_left_in_are_tolerated_and_blank_lines_skipped() -> None:
    text = "\n0, GPU-aa, Tesla T4, 35 %, 1234 MiB, 15360 MiB, 45, 70.12 W\n\n"
    (gpu,) = parse_smi_csv(text, "box")
    assert (gpu.util, gpu.memory_used, gpu.memory_total, gpu.power) == (35, 1234, 15360, 70.12)


def test_unexpected_output_is_one_sentence() -> None:
    with pytest.raises(SmiError, match=r"^box: nvidia-smi printed .* not the 8 fields"):
        parse_smi_csv("index, uuid\n", "box")
    with pytest.raises(SmiError, match=r"^box: nvidia-smi printed 'GPU 0' as a GPU index"):
        parse_smi_csv("GPU 0, a, b, 1, 2, 3, 4, 5\n", "box")


def test_no_output_is_no_gpus() -> None:
    assert parse_smi_csv("", "box") == []
