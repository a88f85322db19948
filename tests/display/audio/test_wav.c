/* WAV reading (SDL) into mono 16-bit at a chosen rate, our WAV writer, and
 * the PCM helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
	assert_int_equal(wav_read(path, 0, &q, err, sizeof(err)), 0);
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

static void le(unsigned char *b, uint32_t v, int bytes)
{
	for (int i = 0; i < bytes; i++)
		b[i] = (unsigned char)(v >> (8 * i));
}

/* A canonical 44-byte header (format tag fmt_tag: 1 PCM, 3 float) + data. */
static void write_wav(int fmt_tag, int channels, int rate, int bits, const void *data, size_t n)
{
	unsigned char w[44 + 256];
	uint32_t align = (uint32_t)(channels * bits / 8);
	assert_true(n <= 256);
	memcpy(w, "RIFF", 4);
	le(w + 4, (uint32_t)(36 + n), 4);
	memcpy(w + 8, "WAVEfmt ", 8);
	le(w + 16, 16, 4);
	le(w + 20, (uint32_t)fmt_tag, 2);
	le(w + 22, (uint32_t)channels, 2);
	le(w + 24, (uint32_t)rate, 4);
	le(w + 28, (uint32_t)rate * align, 4);
	le(w + 32, align, 2);
	le(w + 34, (uint32_t)bits, 2);
	memcpy(w + 36, "data", 4);
	le(w + 40, (uint32_t)n, 4);
	memcpy(w + 44, data, n);
	write_bytes(w, 44 + n);
}

static void test_stereo_mixdown(void **state)
{
	int16_t frames[4] = {100, 300, -200, -400};
	write_wav(1, 2, 8000, 16, frames, sizeof(frames));
	struct pcm q;
	char err[256];
	assert_int_equal(wav_read(path, 0, &q, err, sizeof(err)), 0);
	assert_int_equal(q.rate, 8000);
	assert_int_equal(q.n, 2);
	assert_in_range(q.s[0], 199, 201);
	assert_in_range(q.s[1] + 400, 99, 101);
	pcm_free(&q);
}

/* Encodings the old reader refused: 8-bit and float come out as 16-bit. */
static void test_other_encodings(void **state)
{
	struct pcm q;
	char err[256];
	unsigned char u8[2] = {0x80, 0xc0}; /* silence, half scale */
	write_wav(1, 1, 8000, 8, u8, sizeof(u8));
	assert_int_equal(wav_read(path, 0, &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 2);
	assert_int_equal(q.s[0], 0);
	assert_in_range(q.s[1], 16000, 16500);
	pcm_free(&q);
	float f[2] = {-0.5f, 0.25f};
	write_wav(3, 1, 8000, 32, f, sizeof(f));
	assert_int_equal(wav_read(path, 0, &q, err, sizeof(err)), 0);
	assert_int_equal(q.n, 2);
	assert_in_range(q.s[0] + 16384, 0, 2);
	assert_in_range(q.s[1], 8190, 8193);
	pcm_free(&q);
}

/* The rate asked for, whatever the file's. */
static void test_resample(void **state)
{
	int16_t s[100];
	for (int i = 0; i < 100; i++)
		s[i] = (int16_t)(i * 100);
	write_wav(1, 1, 8000, 16, s, sizeof(s));
	struct pcm q;
	char err[256];
	assert_int_equal(wav_read(path, 16000, &q, err, sizeof(err)), 0);
	assert_int_equal(q.rate, 16000);
	assert_in_range(q.n, 190, 210);
	pcm_free(&q);
}

static void test_bad_files(void **state)
{
	struct pcm q;
	char err[256];
	assert_int_equal(wav_read("/nonexistent/x.wav", 0, &q, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/x.wav"));
	static const struct {
		const char *bytes;
		size_t n;
		const char *err;
	} bad[] = {
	    {"hello", 5, "RIFF"},
	    {"RIFF\0\0\0\0WAVEdata\xff\xff\xff\x7f", 20, "fmt"},
	    {"RIFF\0\0\0\0WAVEfmt \x10\0\0\0\x01\0\x01\0\x40\x1f\0\0\x80\x3e\0\0\x02\0"
	     "\x10\0",
	     36, "data"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_bytes(bad[i].bytes, bad[i].n);
		err[0] = '\0';
		if (wav_read(path, 0, &q, err, sizeof(err)) != -1 || !strstr(err, path) ||
		    !strstr(err, bad[i].err))
			fail_msg("case %zu: got '%s', expected '%s'", i, err, bad[i].err);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip, setup, teardown),
	    cmocka_unit_test(test_gain),
	    cmocka_unit_test_setup_teardown(test_stereo_mixdown, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_other_encodings, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_resample, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_files, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
