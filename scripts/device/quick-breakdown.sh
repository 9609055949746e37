set -u
hw=target/release/hwcheck
d=$OUT/quick; mkdir -p $d
for i in 1 2 3 4 5 6; do $hw --quick --format json > $d/q$i.json 2>/dev/null; done
python3 - <<'PY' > $d/probe_ms.txt
import json,glob
for f in sorted(glob.glob('/'.join(['$OUT'.replace('$OUT',__import__('os').environ['OUT']),'quick','q*.json']))):
    print(f.rsplit('/',1)[1], json.load(open(f))['facts']['probe_ms'])
PY
TIMEFORMAT=%R
echo "--version:" >> $d/times.txt; for i in 1 2 3 4 5; do { time $hw --version >/dev/null; } 2>>$d/times.txt; done
echo "nvml child:" >> $d/times.txt; for i in 1 2 3 4 5; do { time $hw __probe nvml '{"library":"libnvidia-ml.so.1"}' >/dev/null; } 2>>$d/times.txt; done
echo "--quick:" >> $d/times.txt; for i in 1 2 3 4 5; do { time $hw --quick >/dev/null; } 2>>$d/times.txt; done
echo "nvidia-smi -q:" >> $d/times.txt; for i in 1 2 3; do { time nvidia-smi -q >/dev/null; } 2>>$d/times.txt; done
python3 - >> $d/times.txt <<'PY'
import ctypes, time
t=time.perf_counter(); l=ctypes.CDLL("libnvidia-ml.so.1"); t1=time.perf_counter(); r=l.nvmlInit_v2(); t2=time.perf_counter()
n=ctypes.c_uint(); l.nvmlDeviceGetCount_v2(ctypes.byref(n)); t3=time.perf_counter()
print(f"python ctypes: dlopen {1e3*(t1-t)/1:.1f} ms, nvmlInit_v2 {1e3*(t2-t1):.1f} ms (rc {r}), count {1e3*(t3-t2):.1f} ms")
PY
which strace perf ltrace >> $d/times.txt 2>&1
if command -v strace >/dev/null; then strace -f -tt -e trace=execve,openat,ioctl -o $d/strace.txt $hw --quick >/dev/null 2>&1; fi
cat $d/probe_ms.txt $d/times.txt
