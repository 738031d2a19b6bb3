"""The lecture animations: Manim scenes, one module per lecture topic, each drawn from a saved result.

Render them with `dmm-edu animate <scene>` (dmm_edu.animate lists the scenes and the run each
draws). Book page: "For lecturers".
"""
