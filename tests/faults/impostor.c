/* A shared library impersonating a vendor library (libcudart, libcudnn, libcuda,
 * libonnxruntime) that misbehaves the way a broken install does. Built by tests/faults.rs with
 * `cc -shared -fPIC` and -D switches:
 *   FAULT_SEGV / FAULT_ABORT / FAULT_HANG / FAULT_EXIT  misbehave in a constructor (at dlopen);
 *   VERSION_SYMBOL=name VERSION_VALUE=n                 export `int name(int *out)` storing n;
 *   VERSION_SIZE_T                                      ...as `size_t name(void)` returning n.
 * Without VERSION_SYMBOL the library lacks the symbol hwcheck asks for. */
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(FAULT_SEGV) || defined(FAULT_ABORT) || defined(FAULT_HANG) || defined(FAULT_EXIT)
__attribute__((constructor)) static void misbehave(void) {
#if defined(FAULT_SEGV)
    *(volatile int *)0 = 1;
#elif defined(FAULT_ABORT)
    abort();
#elif defined(FAULT_HANG)
    for (;;) pause();
#else
    exit(0);
#endif
}
#endif

#if defined(VERSION_SYMBOL) && defined(VERSION_SIZE_T)
size_t VERSION_SYMBOL(void) { return (size_t)VERSION_VALUE; }
#elif defined(VERSION_SYMBOL)
int VERSION_SYMBOL(int *out) { *out = (int)VERSION_VALUE; return 0; }
#endif

/* Something to export when nothing else is. */
int hwcheck_impostor_marker = 1;
