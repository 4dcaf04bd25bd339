/* paths: where a node's files live. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "node.h"

char *
node_path(const char *dir, const char *name)
{
        struct buf b = BUF_INIT;

        buf_addf(&b, "%s/%s", dir, name);
        return (char *)b.data;
}

static bool
is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *
user_data_dir(void)
{
        const char *xdg = getenv("XDG_DATA_HOME");
        const char *home = getenv("HOME");
        struct buf b = BUF_INIT;

        if (xdg && xdg[0] == '/')
                buf_addf(&b, "%s/simpul", xdg);
        else
                buf_addf(&b, "%s/.local/share/simpul", home ? home : ".");
        return (char *)b.data;
}

char *
node_data_dir(const char *flag)
{
        const char *env = getenv("SIMPUL_DATA");
        char *user, *conf;
        bool service;

        if (flag && flag[0])
                return xstrdup(flag);
        if (env && env[0])
                return xstrdup(env);
        user = user_data_dir();
        if (is_dir(user))
                return user;
        conf = node_path(NODE_SERVICE_DIR, NODE_CONFIG_FILE);
        service = access(conf, R_OK) == 0;
        free(conf);
        if (service) {
                free(user);
                return xstrdup(NODE_SERVICE_DIR);
        }
        return user;
}

/* mkdir that accepts an existing directory, and only a directory. */
static int
mkdir_one(const char *p, mode_t mode)
{
        struct stat st;

        if (mkdir(p, mode) == 0)
                return 0;
        if (errno != EEXIST)
                return -errno;
        if (stat(p, &st) < 0)
                return -errno;
        return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
}

int
node_mkdirs(const char *dir)
{
        char *p = xstrdup(dir);
        size_t n = strlen(p);
        int err = 0;

        /* "data/" is "data": the last part gets mode 0700. */
        while (n > 1 && p[n - 1] == '/')
                p[--n] = 0;
        for (char *s = p + 1; *s; s++) {
                if (*s != '/')
                        continue;
                *s = 0;
                err = mkdir_one(p, 0755);
                *s = '/';
                if (err)
                        goto out;
        }
        err = mkdir_one(p, 0700);
out:
        free(p);
        return err;
}
