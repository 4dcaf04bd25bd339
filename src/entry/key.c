/* key: node key files (Ed25519 seed, mode 0600) in sodium_malloc memory. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "entry.h"

#define KEY_TAG "simpul-key-v1 ed25519 "
#define KEY_FILE_MAX 1024U

int
entry_lib_init(void)
{
        return sodium_init() < 0 ? ERR_KEY : 0;
}

struct key *
key_from_seed(const uint8_t seed[KEY_SEED_BYTES])
{
        struct key *k = xcalloc(1, sizeof(*k));

        k->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        if (!k->sk) {
                fprintf(stderr, "simpul: fatal: sodium_malloc failed\n");
                abort();
        }
        crypto_sign_seed_keypair(k->pk, k->sk, seed);
        return k;
}

void
key_free(struct key *k)
{
        if (!k)
                return;
        sodium_free(k->sk); /* wipes before freeing */
        free(k);
}

static int
write_all(int fd, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = write(fd, p, n);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

int
key_create_file(const char *path)
{
        uint8_t *seed = sodium_malloc(KEY_SEED_BYTES);
        char *text = sodium_malloc(256);
        int fd, err;

        if (!seed || !text) {
                fprintf(stderr, "simpul: fatal: sodium_malloc failed\n");
                abort();
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
                err = errno == EEXIST ? ERR_EXISTS : -errno;
                goto out;
        }
        randombytes_buf(seed, KEY_SEED_BYTES);
        strcpy(text, "# simpul node key: secret, keep mode 0600, never "
                     "share\n" KEY_TAG);
        hex_encode(text + strlen(text), seed, KEY_SEED_BYTES);
        strcat(text, "\n");
        err = write_all(fd, text, strlen(text));
        if (!err && fsync(fd) < 0)
                err = -errno;
        close(fd);
        if (err)
                unlink(path);
out:
        sodium_free(seed);
        sodium_free(text);
        return err;
}

int
key_load_file(const char *path, struct key **out)
{
        char *text = sodium_malloc(KEY_FILE_MAX + 1);
        uint8_t *seed = sodium_malloc(KEY_SEED_BYTES);
        const char *line;
        ssize_t n;
        int fd, err = 0;

        *out = NULL;
        if (!text || !seed) {
                fprintf(stderr, "simpul: fatal: sodium_malloc failed\n");
                abort();
        }
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
                err = -errno;
                goto out;
        }
        n = read(fd, text, KEY_FILE_MAX);
        close(fd);
        if (n < 0) {
                err = -errno;
                goto out;
        }
        text[n] = 0;
        line = strstr(text, KEY_TAG);
        if (!line || (line != text && line[-1] != '\n')) {
                err = ERR_KEY;
                goto out;
        }
        line += strlen(KEY_TAG);
        if (strnlen(line, 2 * KEY_SEED_BYTES) < 2 * KEY_SEED_BYTES ||
            hex_decode(seed, KEY_SEED_BYTES, line, 2 * KEY_SEED_BYTES)) {
                err = ERR_KEY;
                goto out;
        }
        *out = key_from_seed(seed);
out:
        sodium_free(text);
        sodium_free(seed);
        return err;
}
