"""Builds the optional compiled search kernel (bot/search/_kernel.pyx); everything else is
in pyproject.toml. setuptools compiles .pyx sources with Cython (a build requirement).
Without a C compiler the build goes on without the kernel, and `bot.search.select`
searches with numpy instead: the same results, slower (see README, Scale)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("bot.search._kernel", ["bot/search/_kernel.pyx"], optional=True),
    ]
)
