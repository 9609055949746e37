#!/usr/bin/env python3
"""Where an NVML child's time goes: nvmlInit_v2, then each query hwcheck's NVML probe makes
for GPU 0, timed with ctypes (median of 5 rounds, ms). Run on the GPU box."""
import ctypes
import statistics
import time

t0 = time.perf_counter()
nvml = ctypes.CDLL("libnvidia-ml.so.1")
t1 = time.perf_counter()
rc = nvml.nvmlInit_v2()
t2 = time.perf_counter()
print(f"dlopen {1e3 * (t1 - t0):.2f} ms, nvmlInit_v2 {1e3 * (t2 - t1):.2f} ms (rc {rc})")
dev = ctypes.c_void_p()
nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(dev))
buf = ctypes.create_string_buffer(256)
u = ctypes.c_uint()
ull = ctypes.c_ulonglong()
a, b, c, d = (ctypes.c_uint() for _ in range(4))
mem = (ctypes.c_ulonglong * 3)()
pci = ctypes.create_string_buffer(256)
QUERIES = {
    "handle": lambda: nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(dev)),
    "memory": lambda: nvml.nvmlDeviceGetMemoryInfo(dev, mem),
    "ecc_mode": lambda: nvml.nvmlDeviceGetEccMode(dev, ctypes.byref(a), ctypes.byref(b)),
    "ecc_uncorrected_volatile": lambda: nvml.nvmlDeviceGetTotalEccErrors(dev, 1, 0, ctypes.byref(ull)),
    "remapped_rows": lambda: nvml.nvmlDeviceGetRemappedRows(dev, ctypes.byref(a), ctypes.byref(b), ctypes.byref(c), ctypes.byref(d)),
    "name": lambda: nvml.nvmlDeviceGetName(dev, buf, 256),
    "uuid": lambda: nvml.nvmlDeviceGetUUID(dev, buf, 256),
    "pci_info": lambda: nvml.nvmlDeviceGetPciInfo_v3(dev, pci),
    "compute_capability": lambda: nvml.nvmlDeviceGetCudaComputeCapability(dev, ctypes.byref(a), ctypes.byref(b)),
    "mig_mode": lambda: nvml.nvmlDeviceGetMigMode(dev, ctypes.byref(a), ctypes.byref(b)),
    "persistence_mode": lambda: nvml.nvmlDeviceGetPersistenceMode(dev, ctypes.byref(u)),
    "retired_pages_pending": lambda: nvml.nvmlDeviceGetRetiredPagesPendingStatus(dev, ctypes.byref(u)),
    "temperature": lambda: nvml.nvmlDeviceGetTemperature(dev, 0, ctypes.byref(u)),
    "power_draw": lambda: nvml.nvmlDeviceGetPowerUsage(dev, ctypes.byref(u)),
    "power_limit": lambda: nvml.nvmlDeviceGetEnforcedPowerLimit(dev, ctypes.byref(u)),
    "throttle_reasons": lambda: nvml.nvmlDeviceGetCurrentClocksThrottleReasons(dev, ctypes.byref(ull)),
    "driver_version": lambda: nvml.nvmlSystemGetDriverVersion(buf, 256),
    "cuda_driver_version": lambda: nvml.nvmlSystemGetCudaDriverVersion_v2(ctypes.byref(u)),
}
total = 0.0
for name, call in QUERIES.items():
    times = []
    for _ in range(5):
        s = time.perf_counter()
        rc = call()
        times.append((time.perf_counter() - s) * 1e3)
    med = statistics.median(times)
    total += med
    print(f"{name:26} {med:7.3f} ms (first {times[0]:.3f}, rc {rc})")
print(f"all queries {total:.2f} ms")
