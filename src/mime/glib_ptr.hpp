#pragma once
// Owning pointers for GLib memory: GObjects (GMime's, libgsf's) released with g_object_unref,
// and strings GLib allocated released with g_free. One definition for every user.

#include <glib-object.h>

#include <memory>

namespace imapmirror::mime {

struct GObjectUnref {
    void operator()(gpointer p) const {
        if (p)
            g_object_unref(p);
    }
};
// A GObject of type T that this pointer holds one reference to.
template <class T>
using GPtr = std::unique_ptr<T, GObjectUnref>;

struct GFree {
    void operator()(char* p) const { g_free(p); }
};
// A string from GLib (g_strdup, GMime's decoders), freed with g_free.
using GCharPtr = std::unique_ptr<char, GFree>;

}  // namespace imapmirror::mime
