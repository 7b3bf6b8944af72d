"""The applicant portal (申报端): pages for members of an applying organization."""
