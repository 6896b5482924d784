"""The course kit's grading framework.

nncheck      checks shared by public tests (students' kernels) and the autograder
assign/      make assign: student notebook, reference values, Gradescope zip, samples
run/         the sandbox: a separate, confined process that runs a student's code
grade/       grade submissions: one (engine), a folder (cli), the report
gradescope/  the entry point inside the Gradescope zip
"""
import os
import sys

_here = os.path.dirname(os.path.abspath(__file__))
if _here not in sys.path:  # test code says `from nncheck import ...`, in the kernel and here
    sys.path.append(_here)
