"""Builds the optional compiled kernels: the search kernel (bot/search/_kernel.pyx), the
word scanner (bot/search/_words.pyx), a folder's listing (bot/corpus/_status.pyx)
and a table's field joiner (bot/corpus/_pieces.pyx); everything else is in pyproject.toml.
setuptools compiles .pyx sources with Cython (a build requirement). Without a C compiler
the build goes on without them: `bot.search.select` then searches with numpy,
`bot.search.analysis` finds words with a regular expression, a listing goes through
`os.scandir` and a status call a file, and a table joins a field's pieces in Python, to
the same results, slower (see README, Scale)."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension("bot.search._kernel", ["bot/search/_kernel.pyx"], optional=True),
        Extension("bot.search._words", ["bot/search/_words.pyx"], optional=True),
        Extension("bot.corpus._status", ["bot/corpus/_status.pyx"], optional=True),
        Extension("bot.corpus._pieces", ["bot/corpus/_pieces.pyx"], optional=True),
    ]
)
