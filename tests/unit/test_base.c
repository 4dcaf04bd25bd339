/* test_base: buffers, hex and error ids. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <malloc.h>
#include <string.h>

#include <cmocka.h>

#include "../../src/base/base.h"

static void
buf_grows_and_keeps_nul(void **state)
{
        struct buf b = BUF_INIT;

        (void)state;
        for (int i = 0; i < 1000; i++)
                buf_addf(&b, "%d,", i);
        assert_int_equal(b.data[b.len], 0);
        assert_true(b.len < b.cap);
        assert_memory_equal(b.data, "0,1,2,", 6);
        buf_reset(&b);
        assert_int_equal(b.len, 0);
        buf_release(&b);
        assert_null(b.data);
}

static void
hex_round_trip(void **state)
{
        uint8_t in[5] = {0, 1, 0xab, 0xff, 0x10}, out[5];
        char text[11];

        (void)state;
        hex_encode(text, in, 5);
        assert_string_equal(text, "0001abff10");
        assert_int_equal(hex_decode(out, 5, text, 10), 0);
        assert_memory_equal(in, out, 5);
        assert_int_equal(hex_decode(out, 5, "0001abff1g", 10), ERR_USAGE);
        assert_int_equal(hex_decode(out, 5, "0001abff", 8), ERR_USAGE);
}

static void
big_endian(void **state)
{
        uint8_t b[8];

        (void)state;
        be64_put(b, 0x0102030405060708ULL);
        assert_int_equal(b[0], 1);
        assert_int_equal(b[7], 8);
        assert_true(be64_get(b) == 0x0102030405060708ULL);
        be32_put(b, 0xdeadbeefU);
        assert_int_equal(be32_get(b), 0xdeadbeefU);
}

static void
error_ids_are_stable(void **state)
{
        (void)state;
        assert_string_equal(err_id(ERR_SIGNATURE), "ENTRY-BAD-SIG");
        assert_string_equal(err_id(ERR_STORE_FULL), "STORE-FULL");
        assert_string_equal(err_str(-2), "No such file or directory");
        assert_string_equal(err_id(-2), "SYS-2");
        /* Every code has a distinct id. */
        for (int a = ERR_FIRST_ + 1; a < ERR_LAST_; a++)
                for (int b = a + 1; b < ERR_LAST_; b++)
                        assert_string_not_equal(err_id(a), err_id(b));
}

static void
size_overflow_detected(void **state)
{
        size_t out;

        (void)state;
        assert_false(size_add(SIZE_MAX, 1, &out));
        assert_true(size_add(1, 2, &out) && out == 3);
        assert_false(size_mul(SIZE_MAX / 2, 3, &out));
}

/* mem_wipe zeroes the whole block, past what was asked for (glibc rounds
 * sizes up). What free then does with it cannot be seen from here:
 * tests/integration/test_http_wipe.sh searches the freed blocks of real
 * daemons. */
static void
wipe_helpers(void **state)
{
        static const size_t sizes[] = {1, 24, 100, 4000, 70000};
        struct buf b = BUF_INIT;

        (void)state;
        for (size_t i = 0; i < ARRAY_LEN(sizes); i++) {
                unsigned char *p = xmalloc(sizes[i]);
                size_t n = malloc_usable_size(p);

                memset(p, 0xA5, n);
                assert_int_equal(mem_wipe(p), n);
                assert_true(n >= sizes[i]);
                for (size_t k = 0; k < n; k++)
                        if (p[k])
                                fail_msg("size %zu: byte %zu of %zu is %#x",
                                         sizes[i], k, n, p[k]);
                mem_wipe_free(p);
        }
        assert_int_equal(mem_wipe(NULL), 0);
        mem_wipe_free(NULL);
        buf_add(&b, "Siti Aminah, 0812", 17);
        buf_wipe_release(&b);
        assert_null(b.data);
        assert_int_equal(b.cap, 0);
}

int
main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(buf_grows_and_keeps_nul),
            cmocka_unit_test(hex_round_trip),
            cmocka_unit_test(big_endian),
            cmocka_unit_test(error_ids_are_stable),
            cmocka_unit_test(size_overflow_detected),
            cmocka_unit_test(wipe_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
