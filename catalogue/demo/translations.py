"""English versions of some demo courses (the pages are copied, then these texts fill them)."""

from catalogue.choices import CourseFormat
from catalogue.demo.specs import CourseSpec
from catalogue.demo.texts import bullet_list, paragraph

# slug -> English texts; module titles and texts follow the French modules in order.
EN_COURSES: dict[str, dict] = {
    "introduction-ia-responsable": {
        "title": "Introduction to responsible AI",
        "summary": "One day to understand the risks of an AI system (bias, opacity, privacy harms) and the "
        "good practices that prevent them from the design stage.",
        "audience": "Anyone who commissions, designs or uses an AI system.",
        "prerequisites": ("No technical prerequisites",),
        "objectives": (
            "Recognise the main ethical risks of an AI system",
            "Know the main principles and frameworks of trustworthy AI",
            "Ask a solution vendor the right questions",
        ),
        "modules": (
            ("What AI does (and does not do)", "Machine learning demystified."),
            ("Risks and textbook cases", "Bias, errors, surveillance, dependency."),
            ("Frameworks and good practice", "Principles, charters and regulation in brief."),
        ),
    },
    "conformite-ai-act": {
        "title": "Complying with the AI Act",
        "summary": "Classify your AI systems under the European regulation, identify the obligations that "
        "apply and build a realistic compliance plan.",
        "audience": "Lawyers, DPOs, compliance officers, product managers and CIOs.",
        "prerequisites": ("General knowledge of the GDPR",),
        "objectives": (
            "Qualify an AI system and its risk level",
            "Draw up the technical documentation required for a high-risk system",
            "Organise internal compliance governance",
        ),
        "modules": (
            ("The regulation in brief", "Scope, timeline, actors, penalties."),
            ("Classifying your systems", "Prohibited practices, high risk, transparency."),
            ("Obligations and documentation", "Risk management, data, logging."),
            ("Compliance plan", "Inventory, priorities, roles."),
        ),
    },
    "grands-modeles-de-langue-en-entreprise": {
        "title": "Large language models in the enterprise",
        "summary": "Identify useful uses of conversational assistants, assess their risks and organise "
        "their adoption within a team.",
        "audience": "Managers, project leaders and support functions who want to frame the use of generative AI.",
        "prerequisites": ("Everyday use of office software",),
        "objectives": (
            "Understand how large language models work and where they fail",
            "Write effective, verifiable prompts",
            "Define a usage policy for your team",
        ),
        "modules": (
            ("How LLMs work", "Prediction, context, hallucinations."),
            ("Uses and prompts", "Writing, summarising, document search."),
            ("Risks and usage policy", "Confidentiality, intellectual property, team charter."),
        ),
    },
    "compression-de-modeles": {
        "title": "Model compression: pruning, quantisation, distillation",
        "summary": "Cut a neural network's size and inference time tenfold by combining pruning, "
        "quantisation and distillation, with a controlled loss of accuracy.",
        "audience": "Machine-learning engineers and data scientists who deploy models.",
        "prerequisites": ("Working knowledge of Python and PyTorch", "Having trained a neural network"),
        "objectives": (
            "Measure a model's size, latency and accuracy precisely",
            "Apply structured and unstructured pruning",
            "Quantise a model to 8 and then 4 bits",
            "Distil a large model into a student model",
        ),
        "modules": (
            ("Measure before you compress", "A reproducible benchmark, profiling."),
            ("Pruning", "Importance criteria, iterative pruning, retraining."),
            ("Quantisation", "Post-training and quantisation-aware training."),
            ("Distillation and combinations", "Student model, temperature, pipeline."),
        ),
    },
    "tinyml-ia-embarquee": {
        "title": "AI on microcontrollers (TinyML)",
        "summary": "Design, train and flash a model that fits in a few hundred kilobytes and runs on a "
        "battery, right next to the sensor.",
        "audience": "Electronics engineers, embedded developers and product engineers.",
        "prerequisites": ("Programming in C or Python", "Basic digital electronics"),
        "objectives": (
            "Collect and label sensor data",
            "Train a model that fits a microcontroller's memory",
            "Deploy it and measure its power draw on the board",
        ),
        "modules": (
            ("The TinyML chain end to end", "From the sensor to the embedded model."),
            ("Models for constrained memory", "Compact architectures, integer quantisation."),
            ("Deployment and measurement", "Flashing, energy profiling, remote updates."),
        ),
    },
    "series-temporelles-prevision-anomalies": {
        "title": "Time series: forecasting and anomaly detection",
        "summary": "Forecast consumption, production or demand and spot abnormal behaviour with light, "
        "interpretable models before turning to deep learning.",
        "audience": "Engineers, analysts and data scientists in industry and energy.",
        "prerequisites": ("Descriptive statistics", "Python"),
        "objectives": (
            "Decompose a series and choose a baseline model",
            "Build and evaluate a probabilistic forecast",
            "Set up streaming anomaly detection",
        ),
        "modules": (
            ("Exploring a series", "Trend, seasonality, breaks, autocorrelation."),
            ("Classical models", "Exponential smoothing, ARIMA, calendar regressions."),
            ("Machine learning and probabilistic forecasts", "Gradient boosting, quantiles, conformal."),
            ("Streaming anomalies", "Adaptive thresholds, isolation models, alerts."),
        ),
    },
}

EN_TEACHING = {
    CourseFormat.IN_PERSON: "In-person course in a small group: short talks followed by hands-on work in an "
    "equipped room, with a configured workstation for each participant.",
    CourseFormat.ONLINE: "Online course in live virtual classes of three and a half hours, with resources "
    "and self-paced exercises on the ALLyS Moodle platform.",
    CourseFormat.BLENDED: "Blended course: a self-paced online sequence on Moodle, then in-person days "
    "devoted to practice and discussion.",
}


def english_course_fields(spec: CourseSpec) -> dict:
    """The English texts of a translated course page."""
    texts = EN_COURSES[spec.slug]
    modules = [
        ("module", {"title": title, "hours": m.hours, "description": paragraph(text)})
        for m, (title, text) in zip(spec.modules, texts["modules"], strict=True)
    ]
    referent = "our disability officer"
    return {
        "title": texts["title"],
        "summary": texts["summary"],
        "audience": paragraph(texts["audience"]),
        "prerequisites": bullet_list(texts["prerequisites"]),
        "objectives": bullet_list(texts["objectives"]),
        "syllabus": modules,
        "teaching_methods": paragraph(EN_TEACHING[spec.format]),
        "assessment_methods": paragraph(
            "A placement questionnaire is sent on enrolment; skills are assessed "
            "through a final exercise, and a certificate of completion stating "
            "the results is issued."
        ),
        "access_modalities": paragraph(
            f"Enrol online up to {spec.access_delay_days} days before the session "
            "starts, subject to availability. Funding by an employer or an OPCO "
            "is possible."
        ),
        "accessibility": paragraph(
            "Rooms are step-free and virtual classes are captioned. For any "
            f"adjustment, contact {referent} at least three weeks before the session."
        ),
        "pricing_note": "Reduced price for job seekers and students; free for staff of partner institutions.",
    }
