/* Shifts the wall clock of a process (and its children) by RIG_CLOCK_OFFSET_MS
 * milliseconds, for the live rig's clock-skew tests: loaded with LD_PRELOAD
 * into the signaling server, it moves the server's event stamps and the
 * MediaSoup worker's sender-report clock together, as a VAS host whose clock
 * differs from the viewer's. Monotonic clocks are left alone. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long offset_us(void)
{
	static int ready;
	static long long value;
	if (!ready) {
		const char *e = getenv("RIG_CLOCK_OFFSET_MS");
		value = e ? atoll(e) * 1000LL : 0;
		ready = 1;
	}
	return value;
}

int gettimeofday(struct timeval *tv, void *tz)
{
	static int (*real)(struct timeval *, void *);
	if (!real)
		real = (int (*)(struct timeval *, void *))dlsym(RTLD_NEXT, "gettimeofday");
	int r = real(tv, tz);
	if (r == 0 && tv) {
		long long us = (long long)tv->tv_sec * 1000000LL + tv->tv_usec + offset_us();
		tv->tv_sec = us / 1000000LL;
		tv->tv_usec = us % 1000000LL;
	}
	return r;
}

int clock_gettime(clockid_t id, struct timespec *ts)
{
	static int (*real)(clockid_t, struct timespec *);
	if (!real)
		real = (int (*)(clockid_t, struct timespec *))dlsym(RTLD_NEXT, "clock_gettime");
	int r = real(id, ts);
	if (r == 0 && ts && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) {
		long long ns = (long long)ts->tv_sec * 1000000000LL + ts->tv_nsec + offset_us() * 1000LL;
		ts->tv_sec = ns / 1000000000LL;
		ts->tv_nsec = ns % 1000000000LL;
	}
	return r;
}
