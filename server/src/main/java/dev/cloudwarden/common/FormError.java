package dev.cloudwarden.common;

import java.util.Arrays;
import org.springframework.ui.Model;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * A refused console form, as the page shows it: the sentence for people ({@link ApiProblem#forPeople()})
 * and the field it belongs to, or null when it belongs to none of the form's fields (then the page
 * shows it above the form). templates/fragments.html renders it: the field gets {@code aria-invalid},
 * {@code aria-describedby} pointing at the sentence, and the focus ({@code autofocus}).
 *
 * @param field the form field at fault, one of the form's own; null for the form as a whole
 * @param text  the sentence, written for people
 */
public record FormError(String field, String text) {

    /** The problem, tied to its field if that field is one of {@code formFields}. */
    public static FormError of(ApiProblem problem, String... formFields) {
        String field = problem.field() != null && Arrays.asList(formFields).contains(problem.field()) ? problem.field() : null;
        return new FormError(field, problem.forPeople());
    }

    /** The same sentence, tied to {@code field} (a conflict about what was typed there, say). */
    public FormError on(String formField) {
        return new FormError(formField, text);
    }

    /**
     * Carries the error across a redirect. Flash attributes are text only (the console session stores
     * nothing else), so it travels as two texts; {@link #fromFlash} puts it back together.
     */
    public void flash(RedirectAttributes flash) {
        flash.addFlashAttribute("formErrorText", text);
        if (field != null) {
            flash.addFlashAttribute("formErrorField", field);
        }
    }

    /** After a redirect: the error {@link #flash} carried, as {@code formError} in the model, if there is one. */
    public static void fromFlash(Model model) {
        if (model.getAttribute("formErrorText") instanceof String text) {
            model.addAttribute("formError", new FormError(model.getAttribute("formErrorField") instanceof String f ? f : null, text));
        }
    }

    /** Whether this is the error of {@code formField}. */
    public boolean about(String formField) {
        return formField.equals(field);
    }

    /** {@code "true"} for the field at fault (its {@code aria-invalid}), else null: no attribute. */
    public String invalid(String formField) {
        return about(formField) ? "true" : null;
    }

    /** The id of the sentence for the field at fault (its {@code aria-describedby}), else null. */
    public String describedBy(String formField) {
        return about(formField) ? formField + "-error" : null;
    }
}
