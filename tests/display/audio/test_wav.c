/* WAV reading and writing, and PCM helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wav.h"

static char path[64];

static int setup(void **state)
{
	snprintf(path, sizeof(path), "/tmp/cbtest-wav-%d.wav", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	unlink(path);
	return 0;
}

static void write_bytes(const void *b, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

static void test_roundtrip(void **state)
{
	struct pcm p = {.rate = 22050}, q;
	char err[256];
	int16_t s[] = {0, 1000, -1000, 32767, -32768};
	pcm_append(&p, s, 5);
	pcm_append_silence(&p, 10); /* 220 samples */
	assert_int_equal(p.n, 5 + 220);
	assert_int_equal(wav_write(path, &p, err, sizeof(err)), 0);
	assert_int_equal(wav_read(path, &q, err, sizeof(err)), 0);
	assert_int_equal(q.rate, 22050);
	assert_int_equal(q.n, p.n);
	assert_memory_equal(q.s, p.s, p.n * 2);
	pcm_free(&p);
	pcm_free(&q);
}

static void test_gain(void **state)
{
	struct pcm src = {.rate = 8000}, dst = {.rate = 8000};
	int16_t s[] = {10000, -10000};
	pcm_append(&src, s, 2);
	pcm_append_gain(&dst, &src, 0);
	pcm_append_gain(&dst, &src, 50);
	pcm_append_gain(&dst, &src, 100);
	assert_int_equal(dst.s[0], 0);
	assert_int_equal(dst.s[1], 0);
	assert_true(dst.s[2] > 0 && dst.s[2] < 10000);
	assert_int_equal(dst.s[4], 10000);
	assert_int_equal(dst.s[5], -10000);
	pcm_free(&src);
	pcm_free(&dst);
}

static void test_stereo_mixdown(void **state)
{
	unsigned char w[44 + 8] = "RIFF\0\0\0\0WAVEfmt ";
	unsigned char fmt[] = {16, 0, 0, 0, 1, 0, 2, 0, 0x40, 0x1f, 0, 0, 0, 0, 0, 0, 4, 0, 16, 0};
	memcpy(w + 12, "fmt ", 4);
	memcpy(w + 16, fmt, sizeof(fmt));
	memcpy(w + 36, "data", 4);
	w[40] = 8;
	int16_t frames[4] = {100, 300, -200, -400};
	memcpy(w + 44, frames, 8);
	write_bytes(w, sizeof(w));
	struct pcm q;
	char err[256];
	assert_int_equal(wav_read(path, &q, err, sizeof(err)), 0);
	assert_int_equal(q.rate, 8000);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.s[0], 200);
	assert_int_equal(q.s[1], -300);
	pcm_free(&q);
}

static void test_bad_files(void **state)
{
	struct pcm q;
	char err[256];
	assert_int_equal(wav_read("/nonexistent/x.wav", &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.wav"));
	write_bytes("hello", 5);
	assert_int_equal(wav_read(path, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "RIFF"));
	/* A chunk claiming more bytes than the file has. */
	unsigned char w[20] = "RIFF\0\0\0\0WAVEdata\xff\xff\xff\x7f";
	write_bytes(w, sizeof(w));
	assert_int_equal(wav_read(path, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "truncated"));
	/* 8-bit data is refused with a reason. */
	unsigned char w8[46] = "RIFF\0\0\0\0WAVEfmt ";
	unsigned char fmt[] = {16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0, 0, 0, 0, 1, 0, 8, 0};
	memcpy(w8 + 16, fmt, sizeof(fmt));
	memcpy(w8 + 36, "data", 4);
	w8[40] = 2;
	write_bytes(w8, sizeof(w8));
	assert_int_equal(wav_read(path, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "16-bit"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test(test_gain),
	    cmocka_unit_test_setup_teardown(test_stereo_mixdown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
